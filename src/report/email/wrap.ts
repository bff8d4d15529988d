// Plain-text wrapping for list mail: prose paragraphs are wrapped near the
// configured column; quoted lines, code, diff lines and indented blocks are
// left exactly as they are (rewrapping code is how bots make noise).

export function wrapParagraph(text: string, width: number, indent = ''): string[] {
  const words = text.replace(/\s+/g, ' ').trim().split(' ').filter(Boolean);
  const out: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && (indent + line + ' ' + w).length > width) {
      out.push(indent + line);
      line = w;
    } else {
      line = line ? `${line} ${w}` : w;
    }
  }
  if (line) out.push(indent + line);
  return out;
}

/** Wraps each blank-line-separated paragraph that looks like prose. */
export function wrapText(text: string, width: number): string {
  return text.split(/\n{2,}/).map((para) => {
    const lines = para.split('\n');
    const verbatim = lines.some((l) => /^(\s|>|[+-@]|\||```)/.test(l));
    return verbatim ? para : wrapParagraph(para, width).join('\n');
  }).join('\n\n');
}

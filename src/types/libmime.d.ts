// The two functions of libmime the bot uses (the package ships no types).
declare module 'libmime' {
  export function encodeWord(data: string, mimeWordEncoding?: 'Q' | 'B', maxLength?: number): string;
  export function encodeWords(value: string, mimeWordEncoding?: 'Q' | 'B', maxLength?: number, encodeAll?: boolean): string;
  const libmime: { encodeWord: typeof encodeWord; encodeWords: typeof encodeWords };
  export default libmime;
}

// A small cache of validated answers for conditional GETs (ETag,
// Last-Modified): a 304 then costs lore almost nothing and us no download.
// Bounded, least recently used out first.

export interface CachedAnswer {
  etag?: string;
  lastModified?: string;
  body: Buffer;
}

export interface LoreHttpCache {
  get(url: string): CachedAnswer | undefined;
  set(url: string, answer: CachedAnswer): void;
}

export class MemoryHttpCache implements LoreHttpCache {
  private readonly entries = new Map<string, CachedAnswer>();

  constructor(private readonly maxEntries: number) {}

  get(url: string): CachedAnswer | undefined {
    const hit = this.entries.get(url);
    if (hit) { this.entries.delete(url); this.entries.set(url, hit); }
    return hit;
  }

  set(url: string, answer: CachedAnswer): void {
    this.entries.delete(url);
    this.entries.set(url, answer);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}

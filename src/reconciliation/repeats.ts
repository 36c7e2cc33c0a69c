/**
 * Which lines of a run may repeat another, noticed while the file streams by. Matching decides
 * what is a duplicate, in SQL; grouping a million lines to find the usual none cost it a second,
 * so it only counts the lines whose keys are named here. Two 32-bit hashes a key (8 bytes, where
 * a million keys themselves would take some 70 MB): every key seen twice is named, and a key named
 * by a collision of both hashes is simply counted once and let go.
 */

/**
 * What two lines of one run must not share (matching.ts's dedupe_key is its twin in SQL). Where the
 * lines name a reference the payer copied, a payer may pay into it twice: the bank's own reference
 * tells the transfers apart.
 */
export function dedupeKey(
  line: { type: string; merchantReference: string; providerTransactionId: string },
  reference: 'attempt_id' | 'provider_reference' = 'attempt_id',
): string {
  return line.type === 'payment' && reference === 'attempt_id'
    ? line.merchantReference
    : line.providerTransactionId;
}

export class RepeatSieve {
  /** Open addressing, two slots a key; a pair of zeros is empty (a zero hash is stored as 1). */
  #slots = new Int32Array(2 << 12);
  #used = 0;
  readonly #named = new Map<string, { type: string; key: string }>();

  /** Notes a line's key; names it when a line of the same type had it before. */
  see(type: 'payment' | 'refund', key: string): void {
    let a = type === 'payment' ? 0x811c9dc5 : 0x050c5d1f;
    let b = 0x2545f491;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    // As Int32Array stores them (an empty key leaves the seed above 2^31).
    if (this.#insert(a | 0 || 1, b | 0 || 1)) this.#named.set(`${type}\n${key}`, { type, key });
  }

  /** The keys seen more than once (and the rare collision), as matching takes them. */
  named(): { types: string[]; keys: string[] } {
    const named = [...this.#named.values()];
    return { types: named.map((n) => n.type), keys: named.map((n) => n.key) };
  }

  /** True when the pair was there already. */
  #insert(a: number, b: number): boolean {
    if (2 * (this.#used + 1) > this.#slots.length / 2) this.#grow();
    const slots = this.#slots;
    const mask = slots.length / 2 - 1;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const x = slots[2 * i]!;
      if (x === 0) {
        slots[2 * i] = a;
        slots[2 * i + 1] = b;
        this.#used++;
        return false;
      }
      if (x === a && slots[2 * i + 1] === b) return true;
    }
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Int32Array(old.length * 2);
    this.#used = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.#insert(old[i]!, old[i + 1]!);
  }
}

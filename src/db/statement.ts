/**
 * Numbered parameters for one statement built from fragments (several data-modifying CTEs that
 * commit together): each value gets the next `$n`, with a cast so Postgres need not guess a type.
 */
export class Params {
  readonly values: unknown[] = [];

  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

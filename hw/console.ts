// The console: an append-only list of output lines, with an optional sink
// (the CLI prints through it).

export class Console {
  readonly lines: string[] = [];
  sink: ((line: string) => void) | null = null;

  write(line: string): void {
    this.lines.push(line);
    this.sink?.(line);
  }
}

// Shared by the Durable Object shells (run, gate): each intent runs alone, so one
// intent's load → transition → save is never interleaved with another's, even when
// it awaits I/O (R2, another object) in the middle.

export class IntentLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

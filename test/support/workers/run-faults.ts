// Faults on the way to a run's Durable Object: a test makes chosen RPC calls reject, as an
// overloaded or unreachable object would, while every other call goes through. The isolate's
// bindings are shared by every file, so the fault is undone when the test finishes.
import { env } from "cloudflare:workers";
import { onTestFinished } from "vitest";

export interface RunFault {
  /** How many calls the fault rejected so far. */
  readonly rejected: number;
  /** Lets every call through again (also done when the test finishes). */
  restore(): void;
}

/**
 * Rejects calls of `method` on run objects while `when(...args)` holds (at most `times`
 * calls, unlimited by default) with an error that reads like an overloaded object.
 */
export function failRunCalls(
  method: string,
  when: (...args: unknown[]) => boolean,
  times = Number.POSITIVE_INFINITY,
): RunFault {
  const runs = env.RUNS;
  const get = runs.get.bind(runs);
  let rejected = 0;
  let active = true;
  runs.get = ((id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions) => {
    const stub = get(id, options);
    return new Proxy(stub, {
      get: (target, key) => {
        const value = Reflect.get(target, key) as unknown;
        // fetch (used by runInDurableObject) is a native method that needs the real stub as `this`.
        if (key === "fetch" && typeof value === "function") return value.bind(target);
        if (key !== method || typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (active && rejected < times && when(...args)) {
            rejected += 1;
            return Promise.reject(new Error(`${method} failed: the object is overloaded`));
          }
          // An RPC stub's method is itself a stub (it has no `apply`): call it on the stub.
          return (target as unknown as Record<string, (...args: unknown[]) => unknown>)[method]!(...args);
        };
      },
    });
  }) as typeof runs.get;
  const restore = () => {
    active = false;
    runs.get = get;
  };
  onTestFinished(restore);
  return {
    get rejected() {
      return rejected;
    },
    restore,
  };
}

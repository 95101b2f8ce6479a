// One executor per I/O step type. Executors never throw: every failure is an outcome.
import { restore } from "../run/blobs";
import type { TaskReport } from "../run/commands";
import { resolveSecret } from "../security/secret-store";
import { executeHttp } from "./http";
import { fillApprovalLinks } from "./notify";
import type { TaskMessage } from "./task-message";

export async function executeTask(message: TaskMessage, env: Env): Promise<TaskReport["outcome"]> {
  const task = { ...message, request: await restore(env.BLOBS, message.request) };
  switch (task.stepType) {
    case "http":
      return executeHttp(task, httpDeps(env));
    case "notify":
      return executeHttp({ ...task, request: await fillApprovalLinks(task, env) }, httpDeps(env));
    default:
      return { ok: false, error: { code: "not_implemented", message: `${task.stepType} steps are not executable yet`, retryable: false } };
  }
}

function httpDeps(env: Env) {
  return { fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init), resolveSecret: (name: string) => resolveSecret(env, name), now: () => Date.now() };
}

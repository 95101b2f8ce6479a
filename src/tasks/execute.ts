// One executor per I/O step type. Executors never throw: every failure is an outcome.
import { restore } from "../run/blobs";
import type { TaskReport } from "../durable/run-commands";
import { resolveSecret } from "../db/secret-store";
import type { AiBinding } from "../ai/chat-types";
import { executeHttp } from "./http";
import { executeLlm, type ModelDeps } from "./llm";
import { executeRetrieve } from "./retrieve";
import { executeTriage } from "./triage";
import { fillApprovalLinks } from "./notify";
import type { TaskMessage } from "./task-message";

export async function executeTask(message: TaskMessage, env: Env): Promise<TaskReport["outcome"]> {
  const task = { ...message, request: await restore(env.BLOBS, message.request) };
  switch (task.stepType) {
    case "http":
      return executeHttp(task, httpDeps(env));
    case "notify":
      return executeHttp({ ...task, request: await fillApprovalLinks(task, env) }, httpDeps(env));
    case "llm":
      return executeLlm(task, modelDeps(env));
    case "triage":
      return executeTriage(task, modelDeps(env));
    case "retrieve":
      return executeRetrieve(task, env.DB);
    default:
      return {
        ok: false,
        error: { code: "not_implemented", message: `${task.stepType} steps are not executable`, retryable: false },
      };
  }
}

/** The AI binding is optional (see ai/workers-ai.ts), so the generated Env does not declare it. */
function modelDeps(env: Env): ModelDeps {
  const ai = (env as Env & { AI?: AiBinding }).AI;
  return { ...httpDeps(env), ...(ai ? { ai } : {}) };
}

function httpDeps(env: Env) {
  return {
    fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init),
    resolveSecret: (name: string) => resolveSecret(env, name),
    now: () => Date.now(),
  };
}

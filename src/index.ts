// Waymark's Worker: the table of contents. `fetch` is the Hono app (API, webhooks),
// `queue` runs tasks (and fails dead letters), `scheduled` is the cron scheduler.
import { createApp } from "./api/app";
import { consumeDeadLetters } from "./tasks/dead-letter";
import { consumeTasks } from "./tasks/consumer";
import { runScheduledWork } from "./triggers/scheduled";

export { RunCoordinator } from "./run/coordinator";
export { WorkflowGate } from "./gate/workflow-gate";
export { RunWatchdog } from "./run/watchdog";

const app = createApp();
const DEAD_LETTER_QUEUE = "waymark-tasks-dlq";

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    if (batch.queue.startsWith(DEAD_LETTER_QUEUE)) return consumeDeadLetters(batch, env);
    return consumeTasks(batch, env);
  },
  async scheduled(controller, env) {
    await runScheduledWork(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;

// Waymark's Worker: the table of contents. `fetch` is the Hono app (API, webhooks),
// `queue` runs tasks (and fails dead letters), `scheduled` is the cron scheduler. Requests
// and the cron tick remind the watchdog that runs may need it (maintenance/watchdog.ts).
import { createApp } from "./api/app";
import { consumeDeadLetters } from "./tasks/dead-letter";
import { consumeTasks } from "./tasks/consumer";
import { runScheduledWork } from "./scheduled";
import { pokeWatchdog, remindWatchdog } from "./maintenance/watchdog";

export { RunCoordinator } from "./run/coordinator";
export { WorkflowGate } from "./gate/workflow-gate";
export { RunWatchdog } from "./maintenance/watchdog";
export { IntakeShard } from "./intake/intake-shard";
export { IndexWriter } from "./writer/index-writer";

const app = createApp();
const DEAD_LETTER_QUEUE = "waymark-tasks-dlq";

export default {
  fetch(request, env, ctx) {
    pokeWatchdog(env, (promise) => ctx.waitUntil(promise), Date.now());
    return app.fetch(request, env, ctx);
  },
  async queue(batch, env) {
    if (batch.queue.startsWith(DEAD_LETTER_QUEUE)) return consumeDeadLetters(batch, env);
    return consumeTasks(batch, env);
  },
  async scheduled(controller, env) {
    await remindWatchdog(env);
    await runScheduledWork(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;

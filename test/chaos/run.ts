// `npm run chaos` (`-- --seed N` to replay, `--small` for the test's sizes, see options.ts):
// starts Waymark under `wrangler dev` and a receiver on loopback, SIGKILLs and restarts the
// whole process group again and again under load, then prints the figures and each check.
// Exits 1 when a check fails or the run could not be carried out.
import { MockReceiver } from "../support/mock-receiver.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { parseOptions } from "./options.ts";
import { formatReport } from "./report.ts";
import { runChaos } from "./scenario.ts";

const options = parseOptions(process.argv.slice(2));
const began = Date.now();
const log = (line: string) => console.log(`[chaos ${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${line}`);

let stack: Stack | undefined;
let receiver: MockReceiver | undefined;
const stopAll = async () => {
  await stack?.stop();
  await receiver?.close();
};
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => void stopAll().finally(() => process.exit(130)));

let exitCode = 1;
try {
  log(`seed ${options.seed}; starting wrangler dev and the receiver`);
  receiver = await MockReceiver.start();
  stack = await startStack("chaos");
  log(`ready: Waymark ${stack.url}, receiver ${receiver.url}`);
  const result = await runChaos({ stack, receiver, options, log });
  console.log(`\n${formatReport(result)}\n`);
  exitCode = result.checks.every((check) => check.pass) ? 0 : 1;
} catch (error) {
  console.error(error);
  if (stack) console.error(`--- wrangler dev output (last 4000 chars) ---\n${stack.output().slice(-4000)}`);
  console.error(`seed ${options.seed}`);
} finally {
  await stopAll();
}
process.exit(exitCode);

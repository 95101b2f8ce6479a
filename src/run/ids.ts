// Run ids: `run_` + ULID, so they sort by creation time.
import { monotonicFactory } from "ulid";

const nextUlid = monotonicFactory();
const RUN_ID_PATTERN = /^run_[0-9A-HJKMNP-TV-Z]{26}$/;

export function newRunId(now: number): string {
  return `run_${nextUlid(now)}`;
}

export function isRunId(text: string): boolean {
  return RUN_ID_PATTERN.test(text);
}

export { deterministicRunId } from "../core/run-id";

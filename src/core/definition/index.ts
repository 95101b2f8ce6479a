// The definition DSL's public surface: schema and types, validation, parsing,
// the dependency graph and the JSON Schema export.
export * from "./schema";
export { validateDefinition, MAX_DEFINITION_BYTES, type Issue, type ValidationResult } from "./validate";
export { parseDefinitionText, formatFromContentType, type DefinitionFormat, type ParseResult } from "./parse";
export { definitionJsonSchema, DEFINITION_SCHEMA_ID } from "./json-schema";
export { dependencyOrder, dependentsOf, findCycle, formatCycle, type GraphNode } from "./graph";
export { parseCron, cronError, timeZoneError, type CronSchedule } from "./cron";
export { MAX_STEPS } from "./check-steps";

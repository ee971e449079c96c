// Evaluates template values: every "[...]" string in a JSON value becomes what its expression
// gives, and a property "copy" array builds arrays from a count and an input (property loops).
// Failures carry the JSON path of the value (resources[1].properties.description), which is how
// a refusal names where in the template the problem is.

import { errors } from "../errors.js";
import { ExpressionSyntaxError, isExpression, literalOf, parseExpression, type Expression } from "./expression.js";
import { callFunction, ExpressionError, type EvalContext } from "./functions.js";

export type { EvalContext } from "./functions.js";

/**
 * Thrown while evaluating a resource when reference() asks for a resource not fetched yet: the
 * deployment fetches it and evaluates again (evaluation itself stays synchronous and pure).
 */
export class NeedsReference {
  constructor(
    readonly id: string,
    readonly apiVersion: string | undefined,
  ) {}
}

const parsed = new Map<string, Expression>();

/** Parses (once) the expression inside "[...]"; syntax errors name `path`. */
export function expressionOf(text: string, path: string): Expression {
  const known = parsed.get(text);
  if (known) return known;
  try {
    const expression = parseExpression(text.slice(1, -1));
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(text, expression);
    return expression;
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) throw errors.invalidTemplate(`The template language expression '${text.slice(1, -1)}' is not valid: ${error.message}`, path);
    throw error;
  }
}

export function evaluateExpression(expression: Expression, context: EvalContext): unknown {
  switch (expression.kind) {
    case "string":
    case "number":
      return expression.value;
    case "call":
      if (expression.name.toLowerCase() === "if") {
        if (expression.args.length !== 3) throw new ExpressionError("The template function 'if' expects exactly three parameters: a condition, a true value and a false value.");
        const condition = evaluateExpression(expression.args[0] as Expression, context);
        if (typeof condition !== "boolean") throw new ExpressionError("The template function 'if' expects its first parameter to be a boolean.");
        return evaluateExpression(expression.args[condition ? 1 : 2] as Expression, context);
      }
      return callFunction(expression.name, expression.args.map((arg) => evaluateExpression(arg, context)), context);
    case "property":
      return propertyOf(evaluateExpression(expression.target, context), expression.name);
    case "index": {
      const target = evaluateExpression(expression.target, context);
      const index = evaluateExpression(expression.index, context);
      if (Array.isArray(target)) {
        if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= target.length) {
          throw new ExpressionError(`The language expression property array index '${String(index)}' is out of bounds.`);
        }
        return target[index];
      }
      if (typeof index !== "string") throw new ExpressionError(`The language expression cannot index a value with '${String(index)}'.`);
      return propertyOf(target, index);
    }
  }
}

/** An object's property, matched regardless of case as ARM does. */
export function propertyOf(target: unknown, name: string): unknown {
  if (typeof target !== "object" || target === null || Array.isArray(target)) {
    throw new ExpressionError(`The language expression property '${name}' can't be evaluated: the value is not an object.`);
  }
  const record = target as Record<string, unknown>;
  if (Object.hasOwn(record, name)) return record[name];
  const key = Object.keys(record).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined) throw new ExpressionError(`The language expression property '${name}' doesn't exist, available properties are '${Object.keys(record).join(", ")}'.`);
  return record[key];
}

/** Evaluates a string: an expression's value, or the literal text. */
export function evaluateString(text: string, context: EvalContext, path: string): unknown {
  if (!isExpression(text)) return literalOf(text);
  const expression = expressionOf(text, path);
  try {
    return evaluateExpression(expression, context);
  } catch (error) {
    if (error instanceof ExpressionError) throw errors.invalidTemplate(`Unable to evaluate the template language expression '${text.slice(1, -1)}': ${error.message}`, path);
    throw error;
  }
}

/** Evaluates every expression in a JSON value (deeply), with property copy loops. */
export function evaluateValue(value: unknown, context: EvalContext, path: string): unknown {
  if (typeof value === "string") return evaluateString(value, context, path);
  if (Array.isArray(value)) return value.map((item, i) => evaluateValue(item, context, `${path}[${i}]`));
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === "copy" && Array.isArray(item)) {
      Object.assign(out, propertyLoops(item, context, `${path}.copy`));
      continue;
    }
    out[key] = evaluateValue(item, context, `${path}.${key}`);
  }
  return out;
}

/** `"copy": [{"name": "disks", "count": 2, "input": {...copyIndex('disks')...}}]` → `"disks": [...]`. */
function propertyLoops(loops: unknown[], context: EvalContext, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  loops.forEach((loop, i) => {
    const at = `${path}[${i}]`;
    if (typeof loop !== "object" || loop === null) throw errors.invalidTemplate("A property copy loop must be an object with name, count and input.", at);
    const { name, count, input } = loop as Record<string, unknown>;
    if (typeof name !== "string" || input === undefined) throw errors.invalidTemplate("A property copy loop needs a name and an input.", at);
    const n = loopCount(evaluateValue(count, context, `${at}.count`), `${at}.count`);
    out[name] = Array.from({ length: n }, (_, index) => evaluateValue(input, context.withCopyIndex(name, index), `${at}.input`));
  });
  return out;
}

/** The most instances one copy loop may make (ARM's limit). */
export const MAX_COPY_COUNT = 800;

export function loopCount(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_COPY_COUNT) {
    throw errors.invalidTemplate(`The copy count must be an integer from 0 to ${MAX_COPY_COUNT}; it is '${JSON.stringify(value)}'.`, path);
  }
  return value;
}

/** Every expression string in a value, with its path (validation parses them all up front). */
export function* expressionsIn(value: unknown, path: string): Generator<{ text: string; path: string }> {
  if (typeof value === "string") {
    if (isExpression(value)) yield { text: value, path };
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* expressionsIn(item, `${path}[${i}]`);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) yield* expressionsIn(item, `${path}.${key}`);
  }
}

export { ExpressionError };

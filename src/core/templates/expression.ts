// The ARM template expression language: a JSON string "[...]" holds one expression made of
// function calls, 'single-quoted' strings ('' escapes a quote), integers, property access (.name)
// and indexing ([expr]). "[[" at the start escapes a literal string that begins with "[".

export type Expression =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "call"; name: string; args: Expression[] }
  | { kind: "property"; target: Expression; name: string }
  | { kind: "index"; target: Expression; index: Expression };

/** Thrown for text that is not a well-formed expression; the caller adds where it was. */
export class ExpressionSyntaxError extends Error {}

/** Whether a template string is an expression (rather than a literal, or an escaped "[["). */
export const isExpression = (text: string): boolean => text.startsWith("[") && text.endsWith("]") && !text.startsWith("[[");

/** The literal a non-expression string stands for ("[[x]" is the text "[x]"). */
export const literalOf = (text: string): string => (text.startsWith("[[") ? text.slice(1) : text);

type Token =
  | { kind: "string"; value: string; at: number }
  | { kind: "number"; value: number; at: number }
  | { kind: "name"; value: string; at: number }
  | { kind: "punct"; value: "(" | ")" | "," | "." | "[" | "]"; at: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if ("(),.[]".includes(c)) {
      tokens.push({ kind: "punct", value: c as "(", at: i++ });
    } else if (c === "'") {
      const start = i++;
      let value = "";
      for (;;) {
        if (i >= text.length) throw new ExpressionSyntaxError(`The string starting at character ${start + 1} is not terminated.`);
        if (text[i] === "'") {
          if (text[i + 1] !== "'") break;
          value += "'";
          i += 2;
        } else value += text[i++];
      }
      i++;
      tokens.push({ kind: "string", value, at: start });
    } else if (/[-\d]/.test(c)) {
      const match = /^-?\d+(\.\d+)?/.exec(text.slice(i));
      if (!match) throw new ExpressionSyntaxError(`The character '${c}' at position ${i + 1} is not expected.`);
      tokens.push({ kind: "number", value: Number(match[0]), at: i });
      i += match[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const match = /^[A-Za-z_$][\w$]*/.exec(text.slice(i)) as RegExpExecArray;
      tokens.push({ kind: "name", value: match[0], at: i });
      i += match[0].length;
    } else {
      throw new ExpressionSyntaxError(`The character '${c}' at position ${i + 1} is not expected.`);
    }
  }
  return tokens;
}

/** Parses the text inside the brackets of "[...]". */
export function parseExpression(source: string): Expression {
  const tokens = tokenize(source);
  let position = 0;
  const peek = () => tokens[position];
  const describe = (token: Token | undefined) => (token ? `'${String(token.value)}' at position ${token.at + 1}` : "the end of the expression");
  const expect = (value: string) => {
    const token = tokens[position++];
    if (token?.kind !== "punct" || token.value !== value) throw new ExpressionSyntaxError(`Expected '${value}' but found ${describe(token)}.`);
  };

  const primary = (): Expression => {
    const token = tokens[position++];
    if (!token) throw new ExpressionSyntaxError("The expression is empty or incomplete.");
    if (token.kind === "string") return { kind: "string", value: token.value };
    if (token.kind === "number") return { kind: "number", value: token.value };
    if (token.kind !== "name") throw new ExpressionSyntaxError(`Expected a function call but found ${describe(token)}.`);
    let name = token.value;
    // User-defined functions are namespace.name.
    const next = peek();
    if (next?.kind === "punct" && next.value === "." && tokens[position + 1]?.kind === "name" && tokens[position + 2]?.value === "(") {
      position++;
      name = `${name}.${String(tokens[position++]?.value)}`;
    }
    expect("(");
    const args: Expression[] = [];
    if (!(peek()?.kind === "punct" && peek()?.value === ")")) {
      for (;;) {
        args.push(postfix());
        const separator = peek();
        if (separator?.kind === "punct" && separator.value === ",") position++;
        else break;
      }
    }
    expect(")");
    return { kind: "call", name, args };
  };

  const postfix = (): Expression => {
    let expression = primary();
    for (;;) {
      const token = peek();
      if (token?.kind !== "punct") return expression;
      if (token.value === ".") {
        position++;
        const name = tokens[position++];
        if (name?.kind !== "name") throw new ExpressionSyntaxError(`Expected a property name after '.' but found ${describe(name)}.`);
        expression = { kind: "property", target: expression, name: name.value };
      } else if (token.value === "[") {
        position++;
        const index = postfix();
        expect("]");
        expression = { kind: "index", target: expression, index };
      } else return expression;
    }
  };

  const expression = postfix();
  if (position < tokens.length) throw new ExpressionSyntaxError(`Unexpected ${describe(tokens[position])}.`);
  return expression;
}

/** Every function call in an expression, outermost first. */
export function* callsIn(expression: Expression): Generator<Extract<Expression, { kind: "call" }>> {
  switch (expression.kind) {
    case "call":
      yield expression;
      for (const arg of expression.args) yield* callsIn(arg);
      return;
    case "property":
      yield* callsIn(expression.target);
      return;
    case "index":
      yield* callsIn(expression.target);
      yield* callsIn(expression.index);
      return;
    default:
      return;
  }
}

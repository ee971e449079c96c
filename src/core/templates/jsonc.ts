// JSON as ARM reads deployment requests and templates: with // and /* */ comments, trailing
// commas and unquoted property names. az 2.45 depends on it: it splices the template file, as
// written, into the request body after an unquoted `template:` key.

/** Parses JSON with comments; throws SyntaxError like JSON.parse. */
export function parseJsonWithComments(text: string): unknown {
  return JSON.parse(toStrictJson(text));
}

function toStrictJson(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) throw new SyntaxError("Unterminated comment in JSON");
      i = end + 2;
    } else if (c === "," && /^\s*[}\]]/.test(withoutComments(text.slice(i + 1, i + 200)))) {
      i++;
    } else if (/[A-Za-z_$]/.test(c)) {
      // A bare word is a property name when a colon follows it, else a literal (true, false, null).
      const word = (/^[A-Za-z_$][\w$]*/.exec(text.slice(i)) as RegExpExecArray)[0];
      out += /^\s*:/.test(text.slice(i + word.length)) ? JSON.stringify(word) : word;
      i += word.length;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The index just after the string literal that starts at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  return i + 1;
}

const withoutComments = (text: string): string => text.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, "");

// A credential from the configuration (an account key, a SAS, a secret access key): the config
// object is passed around and may be logged or printed, so the value shows only through reveal().

import { inspect } from "node:util";

const HIDDEN = "[secret]";

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return HIDDEN;
  }

  toJSON(): string {
    return HIDDEN;
  }

  [inspect.custom](): string {
    return HIDDEN;
  }
}

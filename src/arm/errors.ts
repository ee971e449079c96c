// The only place where errors meet HTTP: every failure leaves as the ARM envelope
// {"error":{"code","message","target","details"}}.

import type { FastifyError, FastifyInstance } from "fastify";
import { ArmError, errors } from "../core/errors.js";

export function envelope(error: ArmError): { error: Record<string, unknown> } {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.target !== undefined && { target: error.target }),
      ...(error.details !== undefined && { details: error.details }),
    },
  };
}

/** Maps what Fastify itself raises (body parsing, limits, media types) onto the catalogue. */
function toArmError(error: FastifyError, maxBodyBytes: number): ArmError {
  if (error instanceof ArmError) return error;
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return errors.requestTooLarge(maxBodyBytes);
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return errors.unsupportedMediaType(String(error.message.split("'")[1] ?? "unknown"));
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return errors.invalidRequestContent(error.message);
    default:
      return errors.internal();
  }
}

export function installErrorHandling(app: FastifyInstance, maxBodyBytes: number): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const armError = toArmError(error, maxBodyBytes);
    if (armError.status >= 500) request.log.error({ err: error }, "request failed");
    void reply.status(armError.status).type("application/json; charset=utf-8").send(envelope(armError));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? request.url;
    void reply.status(404).send(envelope(errors.routeNotFound(path)));
  });
}

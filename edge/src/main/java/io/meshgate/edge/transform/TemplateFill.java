package io.meshgate.edge.transform;

import io.meshgate.config.model.Template;

/**
 * A TransformPolicy template filled from one request: literal text as it is, an absent header or
 * claim as empty text. {@code ${client.ip}} fills in empty: the body service does not see the
 * client's address, and the validator refuses it in body values.
 */
final class TemplateFill {
  private TemplateFill() {}

  static String fill(Template template, RequestData request) {
    StringBuilder out = new StringBuilder();
    for (Template.Part part : template.parts()) {
      if (part instanceof Template.Literal literal) {
        out.append(literal.text());
      } else if (part instanceof Template.RequestHeader header) {
        out.append(request.headers().getOrDefault(header.name(), ""));
      } else if (part instanceof Template.RequestPath) {
        out.append(request.path());
      } else if (part instanceof Template.RequestMethod) {
        out.append(request.method());
      } else if (part instanceof Template.Claim claim) {
        out.append(request.claims().getOrDefault(claim.name(), ""));
      }
    }
    return out.toString();
  }
}

package io.meshgate.edge.transform;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A value filled from the request: literal text and references, already parsed (the node's
 * TransformPolicy validation owns the syntax). An absent header or claim fills in as empty text.
 */
public record Template(List<Part> parts) {
  public Template {
    parts = List.copyOf(parts);
  }

  /** One piece of a template. */
  public sealed interface Part {}

  /** Text taken as it is. */
  public record Literal(String text) implements Part {
    public Literal {
      requireNonNull(text, "text");
    }
  }

  /** A request header, by lower-case name. */
  public record Header(String name) implements Part {
    public Header {
      requireNonNull(name, "name");
    }
  }

  /** The request's path with its query. */
  public record Path() implements Part {}

  /** The request's method. */
  public record Method() implements Part {}

  /** A top-level claim of the verified JWT. */
  public record Claim(String name) implements Part {
    public Claim {
      requireNonNull(name, "name");
    }
  }

  /** The text this template stands for in {@code request}. */
  public String fill(RequestData request) {
    StringBuilder out = new StringBuilder();
    for (Part part : parts) {
      if (part instanceof Literal literal) {
        out.append(literal.text());
      } else if (part instanceof Header header) {
        out.append(request.headers().getOrDefault(header.name(), ""));
      } else if (part instanceof Path) {
        out.append(request.path());
      } else if (part instanceof Method) {
        out.append(request.method());
      } else {
        out.append(request.claims().getOrDefault(((Claim) part).name(), ""));
      }
    }
    return out.toString();
  }
}

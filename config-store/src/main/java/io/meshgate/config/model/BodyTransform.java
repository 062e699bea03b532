package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/**
 * JSON body operations, applied in order by meshgate's external processing service: to the request
 * body before it goes upstream, to the response body before it reaches the client.
 */
@Doc(
    "JSON body operations, applied in order by meshgate's external processing service to the request body before it goes upstream and to the response body before it reaches the client.")
public record BodyTransform(
    @Size(max = 32) List<BodyOperation> request,
    @Size(max = 32) List<BodyOperation> response,
    @Doc(
            "Largest body transformed, in bytes (default 1 MiB); a larger JSON body is refused with 413 (request) or 502 (response).")
        @Range(min = 1, max = 8388608)
        Integer maxBytes) {
  public BodyTransform {
    request = Copies.list(request);
    response = Copies.list(response);
  }
}

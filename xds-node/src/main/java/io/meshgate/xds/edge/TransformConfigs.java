package io.meshgate.xds.edge;

import io.meshgate.config.model.Template;
import io.meshgate.edge.transform.Operation;
import io.meshgate.edge.transform.TransformConfig;
import io.meshgate.edge.transform.Transformation;
import io.meshgate.xds.ir.BodyTransformIr;
import io.meshgate.xds.ir.BodyTransformIr.BodyOperationIr;
import io.meshgate.xds.ir.ResolvedIr;
import java.util.ArrayList;
import java.util.List;

/**
 * The body transformation service's config for a resolved config: the transformations the routes of
 * every group name, from the same IR Envoy's ext_proc config is translated from.
 */
public final class TransformConfigs {
  private TransformConfigs() {}

  /** The transformations the routes of every group name: pure, from the IR alone. */
  public static TransformConfig of(ResolvedIr resolved) {
    List<Transformation> transformations =
        resolved
            .routes()
            .map(route -> route.policy() == null ? null : route.policy().transform())
            .filter(t -> t != null && t.body() != null)
            .map(t -> transformation(t.body()))
            .toList();
    return TransformConfig.of(transformations);
  }

  static Transformation transformation(BodyTransformIr body) {
    return new Transformation(
        body.name(), operations(body.request()), operations(body.response()), body.maxBytes());
  }

  private static List<Operation> operations(List<BodyOperationIr> ops) {
    List<Operation> operations = new ArrayList<>();
    for (BodyOperationIr op : ops) {
      operations.add(
          switch (op.op()) {
            case MOVE ->
                new Operation.Move(Operation.pointer(op.from()), Operation.pointer(op.path()));
            case REMOVE -> new Operation.Remove(Operation.pointer(op.path()));
            case SET -> new Operation.Set(Operation.pointer(op.path()), Template.parse(op.value()));
          });
    }
    return operations;
  }
}

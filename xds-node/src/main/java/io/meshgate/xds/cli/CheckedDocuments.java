package io.meshgate.xds.cli;

import io.meshgate.config.codec.Document;
import io.meshgate.config.model.Resource;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import io.meshgate.config.validate.Violation;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Documents validated with the server's validator, and the report {@code validate} prints. */
record CheckedDocuments(List<Document> documents, List<Validation> validations) {
  static CheckedDocuments check(List<Document> documents) {
    List<Validation> validations = new ArrayList<>();
    for (Document document : documents) {
      validations.add(
          document.tree() == null
              ? new Validation.Invalid(
                  null,
                  List.of(new Violation("", document.parseError(), null, Violation.Check.RULE)))
              : ResourceValidator.get().validate(document.tree()));
    }
    return new CheckedDocuments(List.copyOf(documents), List.copyOf(validations));
  }

  boolean allValid() {
    return validations.stream().allMatch(v -> v instanceof Validation.Valid);
  }

  List<Resource> resources() {
    return validations.stream()
        .filter(v -> v instanceof Validation.Valid)
        .map(v -> ((Validation.Valid) v).resource())
        .toList();
  }

  /** Every violation with file, document index and JSON pointer; valid documents too if asked. */
  void report(PrintWriter out, boolean listValid) {
    int invalid = 0;
    for (int i = 0; i < documents.size(); i++) {
      Document document = documents.get(i);
      Validation validation = validations.get(i);
      if (validation instanceof Validation.Valid valid) {
        if (listValid) {
          out.println(document.location() + " " + valid.resource().key() + ": valid");
        }
      } else if (validation instanceof Validation.Invalid bad) {
        invalid++;
        out.println(
            document.location()
                + " "
                + (bad.subject() == null ? "(unnamed)" : bad.subject())
                + ": invalid");
        bad.violations().forEach(v -> out.println("  " + v));
      }
    }
    out.println(
        documents.size()
            + (documents.size() == 1 ? " document: " : " documents: ")
            + (documents.size() - invalid)
            + " valid, "
            + invalid
            + " invalid");
    out.flush();
  }
}

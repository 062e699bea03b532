package io.meshgate.edge.signature;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An independent signer: the shell and openssl recipe of docs/security-policy.md ("How a client
 * signs"), run as written (without its curl line), signs a request the verifier accepts. The recipe
 * is read from the doc, so the doc cannot drift from what verifies.
 */
class OpensslSignerIT {
  private static final Path DOC = Path.of("../docs/security-policy.md");

  /** The first {@code sh} block after "How a client signs", without the curl command. */
  private static String recipe() throws Exception {
    String doc = Files.readString(DOC);
    int from = doc.indexOf("```sh\n", doc.indexOf("**How a client signs.**")) + "```sh\n".length();
    String block = doc.substring(from, doc.indexOf("```", from));
    return block.substring(0, block.indexOf("curl "));
  }

  @Test
  void theDocsOpensslRecipeSignsARequestTheVerifierAccepts() throws Exception {
    // given: the recipe, printing what it made
    String script =
        recipe()
            + "printf '%s\\n%s\\n%s\\n%s\\n%s\\n' \"$BODY\" \"$DIGEST\" \"sig1=$PARAMS\""
            + " \"sig1=:$SIG:\" \"$CREATED\"\n";
    Process bash = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
    assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
    List<String> out = new String(bash.getInputStream().readAllBytes(), UTF_8).lines().toList();
    assertThat(bash.exitValue()).as(String.join("\n", out)).isZero();

    // when: the request as Envoy would hand it over, verified against the doc's policy
    String body = out.get(0);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    headers.put("content-type", List.of("application/json"));
    headers.put("content-digest", List.of(out.get(1)));
    headers.put("signature-input", List.of(out.get(2)));
    headers.put("signature", List.of(out.get(3)));
    headers.put("content-length", List.of(Integer.toString(body.getBytes(UTF_8).length)));
    SignedRequest request =
        new SignedRequest(
            "POST",
            "https",
            "api.example.com",
            "/payments/transfers",
            headers,
            Optional.of(body.getBytes(UTF_8)));
    HmacPolicy paymentsSigned =
        new HmacPolicy(
            "default/payments-signed",
            Map.of(
                "partner-1",
                HmacKey.of("partner-1 shared key, TEST ONLY, 32+ bytes".getBytes(UTF_8))),
            List.of("@method", "@path", "@authority", "content-type"),
            Duration.ofSeconds(300),
            NonceRule.REQUIRED,
            StoreFailure.REFUSE,
            65536);
    Instant created = Instant.ofEpochSecond(Long.parseLong(out.get(4)));
    Verdict verdict = SignatureVerifier.verify(paymentsSigned, request, created.plusSeconds(1));

    // then
    assertThat(verdict)
        .isInstanceOfSatisfying(
            Verdict.Verified.class, v -> assertThat(v.keyid()).isEqualTo("partner-1"));
  }
}

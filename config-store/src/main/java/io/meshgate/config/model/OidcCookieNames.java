package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;

/** The names of the cookies an OIDC login sets; each unset name gets its default. */
@Doc("The names of the cookies an OIDC login sets; each unset name gets its default.")
public record OidcCookieNames(
    @Pattern(value = Patterns.HEADER_NAME, maxLength = 128)
        @Doc("The access token's cookie. Default: BearerToken-<suffix>.")
        String accessToken,
    @Pattern(value = Patterns.HEADER_NAME, maxLength = 128)
        @Doc("The ID token's cookie. Default: IdToken-<suffix>.")
        String idToken,
    @Pattern(value = Patterns.HEADER_NAME, maxLength = 128)
        @Doc("The refresh token's cookie. Default: RefreshToken-<suffix>.")
        String refreshToken) {}

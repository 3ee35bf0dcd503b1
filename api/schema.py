"""What drf-spectacular cannot infer: the access-token scheme, and the error responses."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers


class AccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.AccessTokenAuthentication"
    name = "accessToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token from Settings → Personal access tokens.",
        }


_detail = inline_serializer("Error", fields={"detail": serializers.CharField()})
_field_errors = OpenApiResponse(
    response={
        "type": "object",
        "additionalProperties": {
            "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]
        },
        "description": (
            "Each field that was refused, with the reasons; or `detail` for a body that is not "
            "JSON."
        ),
    },
    description="Bad input: nothing was changed.",
)

READ_ERRORS = {
    401: OpenApiResponse(_detail, description="No or bad credentials."),
    403: OpenApiResponse(_detail, description="Refused (e.g. a session request without CSRF)."),
    429: OpenApiResponse(_detail, description="Too many requests; see Retry-After."),
}
LIST_ERRORS = {**READ_ERRORS, 400: _field_errors, 404: OpenApiResponse(_detail)}
OBJECT_ERRORS = {**READ_ERRORS, 404: OpenApiResponse(_detail, description="Not yours.")}
WRITE_ERRORS = {**OBJECT_ERRORS, 400: _field_errors}

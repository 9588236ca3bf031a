"""The partnership's organisations, read only (who they are and the areas they serve), and the
schema and its docs page."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from partners import selectors
from partners.api.base import PartnerAPIView
from partners.models import Organisation

ORGANISATION_EXAMPLE = {
    "slug": "durham-constabulary",
    "name": "Durham Constabulary",
    "kind": "police",
    "areas": [
        {"code": "E06000047", "name": "County Durham"},
        {"code": "E06000005", "name": "Darlington"},
    ],
}


class AreaSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="ONS local authority code")
    name = serializers.CharField()


class OrganisationSerializer(serializers.Serializer):
    slug = serializers.SlugField(help_text="Used wherever the API names an organisation")
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices)
    areas = AreaSerializer(many=True, help_text="Local authority areas it serves")

    def to_representation(self, instance):
        return {
            "slug": instance.slug,
            "name": instance.name,
            "kind": instance.kind,
            "areas": [{"code": a.code, "name": a.name} for a in instance.areas.all()],
        }


class OrganisationListView(PartnerAPIView):
    required_permissions = {"GET": []}

    @extend_schema(
        operation_id="organisations_list",
        tags=["organisations"],
        summary="The partnership's active organisations",
        responses=OrganisationSerializer(many=True),
        examples=[OpenApiExample("Organisations", value=[ORGANISATION_EXAMPLE])],
    )
    def get(self, request):
        organisations = selectors.organisations_active()
        return Response(OrganisationSerializer(organisations, many=True).data)


class OrganisationDetailView(PartnerAPIView):
    required_permissions = {"GET": []}

    @extend_schema(
        operation_id="organisations_retrieve",
        tags=["organisations"],
        summary="One active organisation, by slug",
        responses=OrganisationSerializer,
        examples=[OpenApiExample("An organisation", value=ORGANISATION_EXAMPLE)],
    )
    def get(self, request, slug: str):
        organisation = selectors.organisations_active().filter(slug=slug).first()
        if organisation is None:
            raise exceptions.NotFound("No such organisation.")
        self.audit_target = organisation
        return Response(OrganisationSerializer(organisation).data)


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema, for a signed-in person or an API client. Generating it takes
    seconds and its answer changes only with the code, so each process builds it once (the
    docs page showed only its spinner while it was built on every visit)."""

    _built: dict = {}

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (version, request.get_host(), self.serve_public)
        if key not in SchemaView._built:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            SchemaView._built[key] = generator.get_schema(request=request, public=self.serve_public)
        return Response(
            data=SchemaView._built[key],
            headers={
                "Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'
            },
        )


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from the project's own static files (drf-spectacular-sidecar); its script is
    served separately, so the strict Content-Security-Policy holds."""

    url_name = "api:schema"

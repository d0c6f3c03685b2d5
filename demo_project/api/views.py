"""The demo API: what a project protected by m2m_auth looks like."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListCreateAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from m2m_auth.permissions import HasScopes

from .models import Order


class WhoAmISerializer(serializers.Serializer):
    kind = serializers.ChoiceField(["api_key", "personal_access_token", "oauth_client"])
    scopes = serializers.ListField(child=serializers.CharField())
    username = serializers.CharField(allow_null=True)
    client_id = serializers.CharField(allow_null=True)
    credential_id = serializers.CharField()


class WhoAmIView(APIView):
    """Any valid credential: what it is and what it may do."""

    @extend_schema(responses=WhoAmISerializer)
    def get(self, request):
        auth = request.auth
        return Response(
            {
                "kind": auth.kind,
                "scopes": sorted(auth.scopes),
                "username": auth.username,
                "client_id": auth.client_id,
                "credential_id": auth.credential_id,
            }
        )


class OrderSerializer(serializers.ModelSerializer):
    quantity = serializers.IntegerField(min_value=1, max_value=10_000)

    class Meta:
        model = Order
        fields = ["id", "item", "quantity", "placed_by", "created_at"]
        read_only_fields = ["id", "placed_by", "created_at"]


class OrderListView(ListCreateAPIView):
    permission_classes = [HasScopes]
    required_scopes = {"GET": ["orders:read"], "POST": ["orders:write"]}
    serializer_class = OrderSerializer
    queryset = Order.objects.all()

    def perform_create(self, serializer):
        serializer.save(placed_by=f"{self.request.auth.kind}:{self.request.auth.credential_id}")

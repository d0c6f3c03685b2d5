from django.urls import path

from . import views

urlpatterns = [
    path("whoami/", views.WhoAmIView.as_view(), name="whoami"),
    path("orders/", views.OrderListView.as_view(), name="orders"),
]

from django.urls import URLPattern, path

from mercator.pricing import views

urlpatterns: list[URLPattern] = [
    path("prices/quote/", views.price_quote, name="price-quote"),
    path("pricing/", views.pricing_desk, name="pricing"),
    path("pricing/classes/new", views.class_new, name="pricing-class-new"),
    path("pricing/assignments/", views.assignment_set, name="pricing-assignment-set"),
    path(
        "pricing/assignments/<str:buyer_id>/delete",
        views.assignment_delete,
        name="pricing-assignment-delete",
    ),
    path("pricing/lists/new", views.list_new, name="pricing-list-new"),
    path("pricing/lists/<str:list_id>/", views.list_detail, name="pricing-list"),
    path("pricing/lists/<str:list_id>/rules/delete", views.rule_delete, name="pricing-rule-delete"),
    path(
        "pricing/customer-prices/new", views.customer_price_new, name="pricing-customer-price-new"
    ),
    path(
        "pricing/customer-prices/<str:price_id>/delete",
        views.customer_price_delete,
        name="pricing-customer-price-delete",
    ),
    path("pricing/terms", views.terms_set, name="pricing-terms"),
    path("pricing/freight/new", views.freight_new, name="pricing-freight-new"),
    path(
        "pricing/freight/<str:rate_id>/delete", views.freight_delete, name="pricing-freight-delete"
    ),
]

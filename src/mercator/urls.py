from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from mercator.api import api
from mercator.core import views as core_views

handler404 = "mercator.core.views.page_not_found"
handler500 = "mercator.core.views.server_error"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("login/code/", core_views.login_code, name="login-code"),
    path("", include("mercator.core.auth_views")),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", core_views.set_language, name="set_language"),
    path("", include("mercator.companies.urls")),
    path("", include("mercator.payments.urls")),
    path("", include("mercator.catalog.urls")),
    path("", include("mercator.membership.urls")),
    path("", include("mercator.pricing.urls")),
    path("", include("mercator.trading.urls")),
    path("", include("mercator.markets.urls")),
    path("", include("mercator.logistics.urls")),
    path("", include("mercator.fieldsales.urls")),
    path("", include("mercator.community.urls")),
    path("", include("mercator.insights.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

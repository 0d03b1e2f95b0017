from django.contrib import admin

from mercator.fieldsales.models import CommissionPlan, Reason, TargetMarket


@admin.register(TargetMarket)
class TargetMarketAdmin(admin.ModelAdmin):
    list_display = ("name", "province", "industry", "is_active")


@admin.register(Reason)
class ReasonAdmin(admin.ModelAdmin):
    list_display = ("step", "label", "is_active")


@admin.register(CommissionPlan)
class CommissionPlanAdmin(admin.ModelAdmin):
    list_display = ("name", "share_percent", "is_active")

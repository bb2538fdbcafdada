"""The electronic confirmation exchange hub (电子函证中心)."""

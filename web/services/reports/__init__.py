"""Read-only figures about the platform: operating figures for officials, the landing page counts."""

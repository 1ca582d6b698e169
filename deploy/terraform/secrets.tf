# Secret Manager secrets, mounted into the services as env vars (valueFrom.secretKeyRef in the
# manifests). Terraform writes the values it can generate; the OpenAI key is added by hand.
locals {
  secret_ids = {
    database_url   = "docingest-database-url"
    db_password    = "docingest-db-password"
    redis_url      = "docingest-redis-url"
    admin_api_key  = "docingest-admin-api-key"
    system_api_key = "docingest-system-api-key"
    openai_api_key = "docingest-openai-api-key"
  }

  # Which service account may read which secret: exactly the secretKeyRefs of its manifest.
  # db_password is for people (psql); system_api_key only for AUTH_MODE=api-key deployments
  # (the OIDC manifests do not mount it).
  secret_readers = {
    api       = ["database_url", "redis_url", "admin_api_key"]
    ingestion = ["database_url", "openai_api_key"]
  }
}

resource "google_secret_manager_secret" "secrets" {
  for_each  = local.secret_ids
  secret_id = each.value
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}

resource "random_password" "admin_api_key" {
  length  = 48
  special = false
}

resource "random_password" "system_api_key" {
  length  = 48
  special = false
}

resource "google_secret_manager_secret_version" "database_url" {
  secret = google_secret_manager_secret.secrets["database_url"].id
  # `localhost` satisfies URL parsing; `host=` sends node-postgres to the Auth Proxy's socket.
  secret_data = "postgresql://${google_sql_user.app.name}:${random_password.db.result}@localhost/${google_sql_database.app.name}?host=/cloudsql/${google_sql_database_instance.postgres.connection_name}"
}

resource "google_secret_manager_secret_version" "db_password" {
  secret      = google_secret_manager_secret.secrets["db_password"].id
  secret_data = random_password.db.result
}

resource "google_secret_manager_secret_version" "redis_url" {
  secret      = google_secret_manager_secret.secrets["redis_url"].id
  secret_data = "redis://:${google_redis_instance.queue.auth_string}@${google_redis_instance.queue.host}:${google_redis_instance.queue.port}"
}

resource "google_secret_manager_secret_version" "admin_api_key" {
  secret      = google_secret_manager_secret.secrets["admin_api_key"].id
  secret_data = random_password.admin_api_key.result
}

resource "google_secret_manager_secret_version" "system_api_key" {
  secret      = google_secret_manager_secret.secrets["system_api_key"].id
  secret_data = random_password.system_api_key.result
}

# PostgreSQL 15 for the app tables and, in schema `ai`, the vector tables. pgvector ships with
# Cloud SQL; it is enabled once per database with CREATE EXTENSION (see deploy/README.md).
resource "google_sql_database_instance" "postgres" {
  name                = local.sql_instance
  database_version    = "POSTGRES_15"
  region              = var.region
  deletion_protection = var.sql_deletion_protection

  settings {
    edition           = "ENTERPRISE"
    tier              = var.sql_tier
    availability_type = "ZONAL"
    disk_autoresize   = true

    backup_configuration {
      enabled                        = true
      point_in_time_recovery_enabled = true
    }

    ip_configuration {
      # A public IP with no authorised networks: the only way in is the Cloud SQL Auth Proxy
      # built into Cloud Run (IAM role cloudsql.client), which also encrypts the connection.
      ipv4_enabled = true
      ssl_mode     = "ENCRYPTED_ONLY"
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_sql_database" "app" {
  name     = "docingest"
  instance = google_sql_database_instance.postgres.name
}

# Letters and digits only, so it goes into DATABASE_URL without escaping.
resource "random_password" "db" {
  length  = 32
  special = false
}

# Users created through the Cloud SQL API belong to cloudsqlsuperuser, which may run
# CREATE EXTENSION vector.
resource "google_sql_user" "app" {
  name     = "docingest"
  instance = google_sql_database_instance.postgres.name
  password = random_password.db.result
}

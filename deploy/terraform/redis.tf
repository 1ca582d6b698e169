# Redis for the api's Bull queue (Memorystore, private IP on the docingest network).
resource "google_redis_instance" "queue" {
  name               = "docingest-queue"
  tier               = "BASIC"
  memory_size_gb     = var.redis_memory_gb
  region             = var.region
  redis_version      = "REDIS_7_2"
  authorized_network = google_compute_network.private.id
  connect_mode       = "DIRECT_PEERING"
  # An AUTH string on top of the private network; it travels in the REDIS_URL secret.
  auth_enabled = true
  redis_configs = {
    # Bull keeps its state in Redis; evicting keys would lose or corrupt jobs.
    "maxmemory-policy" = "noeviction"
  }
  depends_on = [google_project_service.apis]
}

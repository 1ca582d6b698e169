# A private network for Memorystore, and the connector that lets the api (Cloud Run) reach it.
resource "google_compute_network" "private" {
  name                    = "docingest"
  auto_create_subnetworks = false
  depends_on              = [google_project_service.apis]
}

resource "google_vpc_access_connector" "connector" {
  name          = local.vpc_connector
  region        = var.region
  network       = google_compute_network.private.name
  ip_cidr_range = var.vpc_connector_cidr
  # The smallest connector: the api's Redis traffic is a few small commands per job.
  machine_type  = "e2-micro"
  min_instances = 2
  max_instances = 3
}

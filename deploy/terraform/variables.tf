variable "project_id" {
  type        = string
  description = "Google Cloud project that holds everything."
}

variable "region" {
  type        = string
  default     = "europe-west1"
  description = "Region of Cloud Run, Cloud SQL, Memorystore, the bucket and the image repository (one region keeps latency and egress down)."
}

variable "bucket_name" {
  type        = string
  default     = ""
  description = "Bucket for uploaded files; empty means <project_id>-docingest-uploads. Bucket names are global."
}

variable "sql_tier" {
  type        = string
  default     = "db-custom-1-3840"
  description = "Cloud SQL machine type. 1 vCPU / 3.75 GB allows 100 connections: enough for ingestion (maxScale 5 x 4) plus the api (maxScale 3 x 5)."
}

variable "sql_deletion_protection" {
  type        = bool
  default     = true
  description = "Refuse to destroy the database instance. Turn off only to tear down a test project."
}

variable "redis_memory_gb" {
  type        = number
  default     = 1
  description = "Memorystore size. The queue holds job descriptions only, never file contents."
}

variable "vpc_connector_cidr" {
  type        = string
  default     = "10.8.0.0/28"
  description = "Unused /28 range for the Serverless VPC Access connector."
}

variable "api_invokers" {
  type        = list(string)
  default     = []
  description = "Members allowed to call the api besides the ingestion service, e.g. [\"group:docingest-admins@example.com\"]. They reach the admin UI through `gcloud run services proxy`."
}

variable "api_allow_unauthenticated" {
  type        = bool
  default     = false
  description = "Let anyone reach the api (allUsers invoker), leaving authentication to the app (ADMIN_API_KEY, ID tokens on callbacks). Needed for a browser without the proxy."
}

variable "placeholder_image" {
  type        = string
  default     = "us-docker.pkg.dev/cloudrun/container/hello"
  description = "Image of the services' first revision, before Cloud Build deploys the real ones."
}

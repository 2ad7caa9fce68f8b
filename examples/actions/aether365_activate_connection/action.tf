# Make the Fabrikam tenant the account's active connection:
#   terraform apply -invoke=action.aether365_activate_connection.fabrikam
action "aether365_activate_connection" "fabrikam" {
  config {
    connection_id = "conn_fabrikam"
  }
}

package aether365

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/aether365/terraform-provider-aether365/api"
)

// Connection is one Microsoft 365 tenant connected to the Aether365 account.
type Connection = api.Connection

// ListConnections lists the account's connected Microsoft 365 tenants:
// GET /tenants/me/connections. The list is not paged (as published).
func (c *Client) ListConnections(ctx context.Context) ([]Connection, error) {
	connections := listOf[Connection]{item: func(c *Connection) string { return c.ID }}
	if _, err := c.do(ctx, apiRequest{method: http.MethodGet, path: "/tenants/me/connections"}, &connections); err != nil {
		return nil, err
	}
	return connections.items, nil
}

// ActivateConnection makes a connection the account's active (primary) one:
// POST /tenants/me/connections/{id}/activate. Every request that names no
// connection works on it afterwards, the dashboard's too.
func (c *Client) ActivateConnection(ctx context.Context, id string) (*Connection, error) {
	if strings.TrimSpace(id) == "" {
		return nil, errors.New("aether365: a connection ID is required")
	}
	connection := oneOf[Connection]{id: func(c *Connection) string { return c.ID }, wantID: id}
	path := "/tenants/me/connections/" + url.PathEscape(id) + "/activate"
	if _, err := c.do(ctx, apiRequest{method: http.MethodPost, path: path}, &connection); err != nil {
		return nil, err
	}
	return &connection.value, nil
}

// activeConnectionID is the account's primary connection, "" when it has
// none marked primary.
func (c *Client) activeConnectionID(ctx context.Context) (string, error) {
	connections, err := c.ListConnections(ctx)
	if err != nil {
		return "", err
	}
	for _, connection := range connections {
		if connection.IsPrimary {
			return connection.ID, nil
		}
	}
	return "", nil
}

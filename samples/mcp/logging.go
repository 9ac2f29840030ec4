package mcp

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/lspkit/lspkit/conn"
)

// Level is a log level of MCP's logging, syslog's severities from RFC 5424:
// the higher, the more severe.
type Level int

// The levels, least severe first.
const (
	LevelDebug Level = iota
	LevelInfo
	LevelNotice
	LevelWarning
	LevelError
	LevelCritical
	LevelAlert
	LevelEmergency

	levelOff // above every level: nothing is sent
)

// levelNames are the levels as the protocol names them, by Level.
var levelNames = [...]string{"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"}

// String returns the level's name in the protocol.
func (l Level) String() string {
	if l >= 0 && int(l) < len(levelNames) {
		return levelNames[l]
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// MarshalJSON writes the level's name.
func (l Level) MarshalJSON() ([]byte, error) {
	if l < 0 || int(l) >= len(levelNames) {
		return nil, fmt.Errorf("mcp: no such level: %d", int(l))
	}
	return json.Marshal(levelNames[l])
}

// UnmarshalJSON reads a level's name, and refuses any other.
func (l *Level) UnmarshalJSON(data []byte) error {
	var name string
	if err := json.Unmarshal(data, &name); err != nil {
		return fmt.Errorf("a level is a string: %w", err)
	}
	for i, n := range levelNames {
		if n == name {
			*l = Level(i)
			return nil
		}
	}
	return fmt.Errorf("unknown level %q: want one of debug, info, notice, warning, error, critical, alert, emergency", name)
}

// setLevelParams are the params of logging/setLevel.
type setLevelParams struct {
	Level *Level `json:"level"`
}

// Validate requires the level.
func (p *setLevelParams) Validate() error {
	if p.Level == nil {
		return fmt.Errorf("level is required")
	}
	return nil
}

// setLevel sets the lowest level sent to the client.
func (ss *session) setLevel(ctx context.Context, p setLevelParams) (struct{}, error) {
	ss.mu.Lock()
	ss.logLevel = *p.Level
	ss.mu.Unlock()
	ss.srv.logger.Debug("mcp: logging/setLevel", "level", p.Level.String())
	return struct{}{}, nil
}

// logParams are the params of notifications/message.
type logParams struct {
	Level  Level  `json:"level"`
	Logger string `json:"logger,omitempty"`
	Data   any    `json:"data"`
}

// log sends a notifications/message if the client asked for level; ctx is
// a handler's, whose connection it goes to.
func (ss *session) log(ctx context.Context, level Level, logger string, data any) error {
	ss.mu.Lock()
	min := ss.logLevel
	ss.mu.Unlock()
	if level < min {
		return nil
	}
	c := conn.FromContext(ctx)
	if c == nil {
		return fmt.Errorf("mcp: log outside a handler")
	}
	return c.Notify(ctx, "notifications/message", logParams{Level: level, Logger: logger, Data: data})
}

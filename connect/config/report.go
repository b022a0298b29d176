package config

// KeyInfo is one key's definition as Connect's REST API shows it
// (ConfigKeyInfo): a null DefaultValue or Group is JSON null, as in Java.
type KeyInfo struct {
	Name          string   `json:"name"`
	Type          string   `json:"type"`
	Required      bool     `json:"required"`
	DefaultValue  *string  `json:"default_value"`
	Importance    string   `json:"importance"`
	Documentation string   `json:"documentation"`
	Group         *string  `json:"group"`
	Width         string   `json:"width"`
	DisplayName   string   `json:"display_name"`
	Dependents    []string `json:"dependents"`
	Order         int      `json:"order"`
}

// ValueInfo is one key's validation result as Connect's REST API shows it
// (ConfigValueInfo): a null Value is JSON null.
type ValueInfo struct {
	Name              string   `json:"name"`
	Value             *string  `json:"value"`
	RecommendedValues []string `json:"recommended_values"`
	Errors            []string `json:"errors"`
	Visible           bool     `json:"visible"`
}

// KeyFromInfo is the Key an answer's definition describes (no validator).
// An order of -1 (none) becomes 0, the Key's "no order".
func KeyFromInfo(ki KeyInfo) Key {
	k := Key{Name: ki.Name, Required: ki.Required, Doc: ki.Documentation, DisplayName: ki.DisplayName,
		Dependents: ki.Dependents, Order: ki.Order}
	for t := TypeString; t <= TypePassword; t++ {
		if t.String() == ki.Type {
			k.Type = t
		}
	}
	for i := High; i <= Low; i++ {
		if i.String() == ki.Importance {
			k.Importance = i
		}
	}
	for w := WidthNone; w <= WidthLong; w++ {
		if w.String() == ki.Width {
			k.Width = w
		}
	}
	if ki.Group != nil {
		k.Group = *ki.Group
	}
	if k.Order < 0 {
		k.Order = 0
	}
	switch {
	case ki.Required:
	case ki.DefaultValue == nil:
		k.NullDefault = true
	default:
		k.Default = *ki.DefaultValue
	}
	return k
}

"""The pure domain core: rules and parsers with no Django import."""

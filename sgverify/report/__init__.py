"""Reports: results -> strings (text, json, ...). Nothing here prints."""

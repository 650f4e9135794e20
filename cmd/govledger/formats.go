package main

// importFormats lists the formats govledger import reads.
func importFormats() map[string]importFormat {
	return map[string]importFormat{}
}

// exportFormats lists the formats govledger export writes.
func exportFormats() map[string]exportFormat {
	return map[string]exportFormat{}
}

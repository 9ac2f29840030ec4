package lsp

// DynamicCapability exports dynamicCapability to the tests.
var DynamicCapability = dynamicCapability

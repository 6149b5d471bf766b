package dev.maas.installer.cli;

/** How results are written to stdout. */
enum OutputFormat { TEXT, JSON }

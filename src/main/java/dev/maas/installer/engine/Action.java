package dev.maas.installer.engine;

/** What a planned change does to one object. */
public enum Action { CREATE, UPDATE, NOOP, DELETE }

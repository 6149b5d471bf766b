package dev.maas.installer.engine.run;

/** What a run does with each stage. */
public enum Operation { PLAN, APPLY, VERIFY }

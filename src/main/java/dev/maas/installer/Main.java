package dev.maas.installer;
public final class Main { public static void main(String[] a) {} }

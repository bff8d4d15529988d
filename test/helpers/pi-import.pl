#!/usr/bin/perl -w
# Imports message files into a public-inbox v2 inbox in ONE process (git
# and the Xapian/SQLite indexes together), as lore's own importer does.
# Usage: PI_CONFIG=... pi-import.pl INBOX_NAME FILE...
# Each FILE is one message, optionally starting with an mbox "From " line.
# PI_ROTATE_BYTES, when set, makes epochs rotate after that many bytes
# (lore rotates at about 1 GB) so tests can see several epochs.
use strict;
use PublicInbox::Config;
use PublicInbox::InboxWritable;
use PublicInbox::Eml;

my ($name, @files) = @ARGV;
die "usage: $0 INBOX_NAME FILE...\n" unless defined $name;
my $ibx = PublicInbox::Config->new->lookup_name($name) or die "no inbox '$name' in $ENV{PI_CONFIG}\n";
$ibx = PublicInbox::InboxWritable->new($ibx);
my $im = $ibx->importer(1);
$im->{rotate_bytes} = $ENV{PI_ROTATE_BYTES} + 0 if $ENV{PI_ROTATE_BYTES};
my ($added, $skipped) = (0, 0);
for my $f (@files) {
	open my $fh, '<', $f or die "open $f: $!\n";
	my $raw = do { local $/; <$fh> };
	close $fh;
	$raw =~ s/\AFrom [^\n]*\n//;
	if ($im->add(PublicInbox::Eml->new(\$raw))) { $added++ } else { $skipped++ }
}
$im->done;
print "{\"added\":$added,\"skipped\":$skipped}\n";

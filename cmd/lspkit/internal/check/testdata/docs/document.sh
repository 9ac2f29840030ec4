#!/bin/sh
echo "hello $1"
for f in *; do
  ls "$f"
done

# Sourced by the long-run scripts: prints the CPU's name, family and model, as the runs'
# logs record it ("AMD EPYC (family 25, model 17)").
cpu_name() {
    echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//') (family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' '), model $(grep -m1 '^model\s' /proc/cpuinfo | cut -d: -f2 | tr -d ' '))"
}

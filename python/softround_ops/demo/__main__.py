from softround_ops.demo.cli import main

main()
